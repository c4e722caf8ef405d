"""The cyclic-learning framework of Zou & Hao, "Variational Inference for Cyclic Learning":
the four-term objective, its distances and prior-matching terms, the cyclic model contract,
and the strategies that optimise it (joint, dual EM, self-cyclic)."""
