Tag: keras-config-unsafe-call
Severity: error
Check: mlmodel/risk
See-Also: https://nvd.nist.gov/vuln/detail/CVE-2025-8747, https://nvd.nist.gov/vuln/detail/CVE-2025-9905
Explanation:
 A Keras config names a Keras function that undoes the loader's protections
 when it is deserialized: keras.config.enable_unsafe_deserialization (after
 which Lambda layers load even in safe_mode) or keras.utils.get_file (which
 downloads a file to a path the config chooses), or one that loads or saves
 other files.
 .
 To fix: Do not ship the model; ask upstream for a config without it.
