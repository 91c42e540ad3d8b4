Tag: pickle-imports-dangerous-callable
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md, https://docs.python.org/3/library/pickle.html#restricting-globals
Explanation:
 A pickle in the file imports a callable that can run commands or code when
 the file is loaded (os.system, builtins.eval, subprocess and the like).
 Loading the model with torch.load, joblib.load or pickle.load would execute
 it.
 .
 To fix: Do not ship the file. Convert the weights to safetensors from a
 trusted copy, or ask upstream for a clean file.
