#!/bin/bash
# CUDA check on a lent GPU machine (run from the repository root there; see benchmarks/README.md).
# Needs $OUT (a folder whose files come back) and a data folder holding mnist/, usps/,
# bsds500/, dsprites/ and tracking/otb/{Crossing,Couple} (CUDA_CHECK_DATA, default gpu_data/).
# It runs the device tests (predict / translate / track run on cuda against the CPU), trains
# CDLM, ACC and CycleTrack with train.accelerator=cuda (CDLM also at longer budgets, stopped
# by SIGTERM after 330 s and then evaluated at the step reached), times one-pass tracking on
# cuda and on one CPU thread, and packs the run folders (no weights) into $OUT/runs.tgz for
# `python -m benchmarks cuda_check_report`.
set -u
export CYCLEKIT_DATA=${CUDA_CHECK_DATA:-$PWD/gpu_data} PYTHONPATH=$PWD CYCLEKIT_CACHE=/tmp/ckcache
R=/tmp/gpuruns; mkdir -p $R
source benchmarks/lent_gpu.sh
record_gpu $R/gpu.txt
train() { name=$1; cfg=$2; shift 2; ( s=$SECONDS; timeout $LIMIT python3 -m cyclekit.cli train $cfg --out $R/$name --no-progress --set train.accelerator=cuda "$@" > $R/$name.log 2>&1; echo "rc=$? wall=$((SECONDS - s))" >> $R/$name.log ) & }
LIMIT=330
L="--set train.checkpoint_every=1000 --set train.eval_every=4000 --set train.sample_every=100000"
train mu_4k configs/uda/mnist_usps_cdlm.yaml
train mu_12k configs/uda/mnist_usps_cdlm.yaml --set train.steps=12000 $L
train mu_20k configs/uda/mnist_usps_cdlm.yaml --set train.steps=20000 $L
train um_20k configs/uda/usps_mnist_cdlm.yaml --set train.steps=20000 $L
train mm_20k configs/uda/mnist_mnistm_cdlm.yaml --set train.steps=20000 $L
train mu_20k_s1 configs/uda/mnist_usps_cdlm.yaml --set train.steps=20000 --set seed=1 $L
LIMIT=240
train acc_dsprites configs/acc_dsprites_standardised.yaml
train track_em configs/tracking/cycletrack_em.yaml --set train.steps=200 --set train.eval_every=100 --set train.checkpoint_every=100
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/core/test_inference_device.py tests/test_predict.py tests/test_translate.py tests/track/test_track_cycletrack.py > $R/pytest.txt 2>&1; echo "pytest rc=$?" >> $R/pytest.txt
wait
for d in $R/*/; do [ -f $d/metrics.json ] || timeout 75 python3 -m cyclekit.cli eval $d > $d/eval_after_stop.log 2>&1 & done
if [ -f $R/track_em/config.yaml ]; then
  for dev in cuda cpu; do timeout 45 python3 -m cyclekit.cli track run $R/track_em $CYCLEKIT_DATA/tracking --out $R/track_boxes_$dev --device $dev --threads 1 > $R/track_run_$dev.log 2>&1; done
  python3 -m cyclekit.cli track eval $R/track_boxes_cuda --data $CYCLEKIT_DATA/tracking --protocol pysot_otb > $R/track_eval_cuda.log 2>&1
fi
wait
tar czf $OUT/runs.tgz --exclude=checkpoints --exclude=tensorboard --exclude='*.png' -C $R .
