Tag: numpy-header-invalid
Severity: warning
Check: mlmodel/risk
See-Also: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
Explanation:
 An .npy header inside the file is oversized or not the dictionary the format
 requires.
 .
 To fix: Re-save the array with NumPy.
