Tag: safetensors-index-unsafe-shard-name
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 The index names a shard by an absolute path or one with '..'.
 .
 To fix: Fix the index; shards live beside it.
