Tag: mlmodel-section-mismatch
Severity: error
Check: mlmodel/policy
See-Also: docs/policy.md, https://salsa.debian.org/deeplearning-team/ml-policy
Explanation:
 The package's Section puts the model in a better archive area than its
 category allows: for example a toxic-candy or non-free model in main.
 .
 To fix: Set Section: non-free/<section> (or contrib/) in debian/control as
 the note suggests.
