Tag: safetensors-duplicate-tensor-name
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 The safetensors header names the same tensor twice; loaders disagree about
 which one wins.
 .
 To fix: Re-save the model.
