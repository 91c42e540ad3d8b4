Tag: remote-code-not-shipped
Severity: error
Check: mlmodel/risk
See-Also: https://huggingface.co/docs/transformers/custom_models
Explanation:
 A config (config.json, tokenizer_config.json, preprocessor_config.json,
 processor_config.json or any other *config*.json a processor or pipeline
 reads) has an auto_map or custom_pipelines entry of the form
 repo--module.Class: with trust_remote_code=True the loader downloads that
 module from the other repository and runs it, whatever the package ships,
 and nobody reviewed it.
 .
 To fix: Ship the code in the package and name it without the repo-- prefix
 (then it is only a warning, remote-code-required), or drop the entry.
