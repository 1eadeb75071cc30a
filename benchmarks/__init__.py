"""Benchmarks: what each workbench mode costs and how right it is, beside the anchors."""
