Tag: safetensors-index-key-mismatch
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 The index's weight map and the shards' headers disagree about which tensor
 is where.
 .
 To fix: Regenerate the index or take upstream's matching files.
