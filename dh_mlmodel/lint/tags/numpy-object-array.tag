Tag: numpy-object-array
Severity: error
Check: mlmodel/risk
See-Also: https://numpy.org/doc/stable/reference/generated/numpy.load.html
Explanation:
 A NumPy array has object dtype: its data is a pickle and np.load needs
 allow_pickle=True, which runs it.
 .
 To fix: Save the arrays with a numeric dtype. If this is intended, override
 it in debian/PKG.lintian-overrides with the line shown.
