Tag: tf-savedmodel-unsafe-op
Severity: error
Check: mlmodel/risk
See-Also: https://www.tensorflow.org/api_docs/python/tf/raw_ops, docs/security.md
Explanation:
 A TensorFlow SavedModel graph (or a function in its library) uses an op
 that reads or writes files or runs Python when the model runs: ReadFile,
 WriteFile, MatchingFiles, ImmutableConst, summary file writers, PyFunc,
 PyFuncStateless or EagerPyFunc.
 .
 To fix: Do not ship the model; ask upstream for a graph without these ops.
