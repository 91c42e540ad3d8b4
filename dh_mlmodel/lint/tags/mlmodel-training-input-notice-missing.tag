Tag: mlmodel-training-input-notice-missing
Severity: error
Check: mlmodel/copyright
See-Also: docs/policy.md, https://lists.debian.org/debian-vote/2025/05/msg00145.html
Explanation:
 The model was placed under the training-inputs-honoured profile, which reads
 Thorsten Glaser's counter-proposal: the copyright file must include the
 copyright notices of all training inputs, except inputs already separately
 packaged. The copyright file of this package lacks the notice of the training
 input named in the note, or the declaration gives none for it. The check
 looks for the notice's words in order, whatever the line breaks and case;
 under the other profiles it does not run.
 .
 To fix: Declare the notice in debian/mlmodel.yaml (training-data: copyright:,
 or package: when a Debian package already ships the input) and run
 `mlmodel copyright --update`, which adds the declared notices to the model's
 paragraph of debian/copyright.
