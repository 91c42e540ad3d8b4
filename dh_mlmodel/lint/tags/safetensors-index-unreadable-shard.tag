Tag: safetensors-index-unreadable-shard
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 A shard named by the index has no readable safetensors header (reported by
 dh_mlmodel at build time).
 .
 To fix: Replace the shard with an intact copy.
