# SlowFast-R50 8x8, from scratch, on Kinetics-400: mmaction2's config (X-Temporal suite).
# Toy twin: slowfast_r18_16x1x1_12e_toy-video.py.
_base_ = ['mmaction::recognition/slowfast/slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
