Tag: pickle-opcode-not-allowed
Severity: error
Check: mlmodel/risk
See-Also: docs/security.md
Explanation:
 The pickle uses opcodes that torch.load(weights_only=True) refuses. Error
 when torch.save never writes them (a crafted file); warning when they come
 from a newer pickle protocol, which forces users to load with
 weights_only=False.
 .
 To fix: Re-save the model with protocol 2 or convert it to safetensors.
