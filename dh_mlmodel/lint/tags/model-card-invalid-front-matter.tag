Tag: model-card-invalid-front-matter
Severity: warning
Check: mlmodel/files
See-Also: https://huggingface.co/docs/hub/model-cards
Explanation:
 The model card's YAML front matter cannot be parsed, so its licence and
 datasets were not read.
 .
 To fix: Fix the YAML block at the top of README.md.
