Tag: safetensors-index-wrong-extension
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 A .safetensors.index.json names a shard that is not a .safetensors file.
 .
 To fix: Fix the index or ship the right shards.
