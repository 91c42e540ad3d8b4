Tag: mlmodel-base-category-mismatch
Severity: warning
Check: mlmodel/policy
See-Also: docs/policy.md
Explanation:
 A declared base model's category does not match what the record of its
 installed package says (reported by dh_mlmodel at build time).
 .
 To fix: Correct debian/mlmodel.yaml's base-model: entry.
