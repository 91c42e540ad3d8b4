Tag: remote-code-required
Severity: warning
Check: mlmodel/risk
See-Also: https://huggingface.co/docs/transformers/custom_models
Explanation:
 config.json (or tokenizer_config.json) has an auto_map: loading the model
 with transformers needs trust_remote_code=True, which imports Python code
 named there, possibly from another repository.
 .
 To fix: Ship the code as a reviewed Python package, or use a loader that
 needs no remote code. If this is intended, override it in
 debian/PKG.lintian-overrides with the line shown.
