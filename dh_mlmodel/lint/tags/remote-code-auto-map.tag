Tag: remote-code-auto-map
Severity: warning
Check: mlmodel/risk
See-Also: https://huggingface.co/docs/transformers/custom_models
Explanation:
 The model names custom code through auto_map.
 .
 To fix: As for remote-code-required.
