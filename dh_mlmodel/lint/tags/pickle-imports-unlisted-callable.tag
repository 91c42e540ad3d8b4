Tag: pickle-imports-unlisted-callable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 A pickle in the file imports a callable that is not on the allowlist of what
 PyTorch, NumPy and scikit-learn saves are known to import. It may be
 harmless, but loading the file runs it.
 .
 To fix: Review the callable. If it is safe, accept it in debian/mlmodel.yaml
 (pickle-allow:, with a reason), which dh_mlmodel records in the package and
 lint honours; otherwise convert the model to safetensors.
