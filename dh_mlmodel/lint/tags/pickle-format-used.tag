Tag: pickle-format-used
Severity: info
Check: mlmodel/risk
See-Also: https://huggingface.co/docs/safetensors
Explanation:
 The model is stored as a pickle (PyTorch .bin/.pt, joblib, plain pickle).
 Even with no finding from the import scan, loading a pickle can run code,
 and users must trust the file.
 .
 To fix: Prefer a safetensors (or GGUF, ONNX) copy when upstream publishes
 one. If this is intended, override it in debian/PKG.lintian-overrides with
 the line shown.
