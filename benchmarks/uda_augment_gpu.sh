#!/bin/bash
# Labelled-domain augmentation on the MNIST-M tasks, on a lent GPU machine, in one call
# (docs/uda.md, "Augmenting the labelled domain"). Run from the repository root there, with
# $OUT set (a folder whose files come back) and the data under CYCLEKIT_DATA (default gpu_data/,
# holding mnist/ and bsds500/).
#
# Builds the MNIST-M cache once, runs the CUDA trainer test beside the runs, then trains
# source-only, DANN and CDLM on MNIST -> MNIST-M and MNIST-M -> MNIST, seeds 0-2, all 18 at once
# on the one GPU (benchmarks/uda_results.py, one thread per run) with
# data.augment_labelled=$AUGMENT (default true), and, for the augmented runs, refines the six
# CDLM runs with the shipped DIRT-T settings (benchmarks/uda_refinement.py; REFINE_LIMIT=0 skips
# it). AUGMENT=false gives the same-device control. Each stage has a time limit (TRAIN_LIMIT,
# REFINE_LIMIT seconds); what finished is reported either way. Brings back $OUT/results.tgz (the
# reports and their figures: mnistm/ or mnistm_control/, and mnistm_refined/) and $OUT/runs.tgz
# (the run folders without checkpoints or TensorBoard logs); the reports are committed under
# benchmarks/results/uda_augment_labelled/.
set -u
export CYCLEKIT_DATA=${CYCLEKIT_DATA:-$PWD/gpu_data} CYCLEKIT_CACHE=/tmp/ckcache PYTHONPATH=$PWD
TRAIN_LIMIT=${TRAIN_LIMIT:-400} REFINE_LIMIT=${REFINE_LIMIT:-160} AUGMENT=${AUGMENT:-true}
R=/tmp/uda_augment_gpu TASKS="mnist_mnistm mnistm_mnist" SEEDS="0 1 2"
if [ "$AUGMENT" = true ]; then NAME=mnistm RUNS=uda_augment_labelled
else NAME=mnistm_control RUNS=uda_no_augmentation; fi
mkdir -p $R/report/$NAME
source benchmarks/lent_gpu.sh
record_gpu $R/report/gpu.txt
build_mnistm_cache || exit 1
( timeout 120 python3 -m pytest -q -p no:cacheprovider tests/core/test_trainer.py -k cuda \
  > $R/report/pytest_cuda.txt 2>&1; echo "pytest rc=$?" >> $R/report/pytest_cuda.txt ) &
UDA="python3 -m benchmarks uda_results --tasks $TASKS --rows source_only dann cdlm --seeds $SEEDS
  --runs-dir $R/runs/$RUNS --out $R/report/$NAME
  --figures $R/report/$NAME --set data.augment_labelled=$AUGMENT --set train.accelerator=cuda"
s=$SECONDS
timeout $TRAIN_LIMIT $UDA --parallel 18 > $R/report/train.log 2>&1
echo "train rc=$? wall=$((SECONDS - s))" >> $R/report/train.log
[ -f $R/report/$NAME/uda.json ] || $UDA --parallel 18 --report-only >> $R/report/train.log 2>&1
if [ "$AUGMENT" = true ] && [ "$REFINE_LIMIT" -gt 0 ]; then
  s=$SECONDS
  REFINE="python3 -m benchmarks uda_refinement --teachers cdlm_augment_labelled --tasks $TASKS
    --seeds $SEEDS --runs-root $R/runs --runs-dir $R/runs/uda_refinement
    --out $R/report/mnistm_refined --set train.accelerator=cuda"
  timeout $REFINE_LIMIT $REFINE --parallel 6 > $R/report/refine.log 2>&1
  echo "refine rc=$? wall=$((SECONDS - s))" >> $R/report/refine.log
  [ -f $R/report/mnistm_refined/uda_refinement.json ] || \
    $REFINE --parallel 6 --report-only >> $R/report/refine.log 2>&1
fi
wait
tar czf $OUT/results.tgz -C $R/report .
tar czf $OUT/runs.tgz --exclude=checkpoints --exclude=tensorboard -C $R/runs .
cat $R/report/*.log $R/report/pytest_cuda.txt
