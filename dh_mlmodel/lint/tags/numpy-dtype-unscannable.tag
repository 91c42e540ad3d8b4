Tag: numpy-dtype-unscannable
Severity: error
Check: mlmodel/risk
See-Also: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html, docs/security.md
Explanation:
 A NumPy array's dtype is spelled in a way that is not a plain numeric,
 string, datetime or structured dtype (or its .npy header is too large to
 read), so it cannot be proven free of objects: numpy may read it as an
 object array, whose data is a pickle that np.load(allow_pickle=True) runs.
 .
 To fix: Save the arrays again with numpy and a numeric dtype, or convert
 them to safetensors.
