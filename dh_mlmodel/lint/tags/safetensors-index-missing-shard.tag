Tag: safetensors-index-missing-shard
Severity: error
Check: mlmodel/files
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 The sharded checkpoint's index names a shard that the package does not
 install beside it.
 .
 To fix: Install every shard in the same package as its index.
