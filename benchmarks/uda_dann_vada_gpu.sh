#!/bin/bash
# DANN with VADA's target terms, then 3000 steps of DIRT-T, on the Table 2 digit tasks, on a
# lent GPU in one call (docs/uda.md, "VADA on DANN, then DIRT-T"). Run from the repository root
# there, with $OUT set (a folder whose files come back) and the data under CYCLEKIT_DATA
# (default gpu_data/, holding mnist/, usps/ and bsds500/).
#
# The recipe is the one fixed for MNIST -> MNIST-M before its CPU runs (entropy and VAT 0.1 each
# at radius 1, fp32; refinement 3000 steps with a new teacher every 1000), unchanged on every
# task; TASKS (default: MNIST <-> USPS, MNIST-M -> MNIST and, as the same-config check against
# the CPU runs, MNIST -> MNIST-M) x seeds 0-2 all train at once on the one GPU, one thread per
# run. TEACHER=dann_vada_augment_labelled also warps the labelled domain
# (data.augment_labelled). Each teacher is refined once per warp-consistency weight in WARPS
# (default 0.0; "0.0 1.0" runs both side by side). Each stage has a time limit (TRAIN_LIMIT,
# REFINE_LIMIT seconds); what finished is reported either way. Brings back $OUT/results.tgz
# (teachers/ and refined_warp<W>/ reports) and $OUT/runs.tgz (run folders without checkpoints or
# TensorBoard logs); the reports are committed under benchmarks/results/<teacher folder>/gpu/.
set -u
export CYCLEKIT_DATA=${CYCLEKIT_DATA:-$PWD/gpu_data} CYCLEKIT_CACHE=/tmp/ckcache PYTHONPATH=$PWD
TRAIN_LIMIT=${TRAIN_LIMIT:-270} REFINE_LIMIT=${REFINE_LIMIT:-250} WARPS=${WARPS:-0.0}
TASKS=${TASKS:-"mnist_usps usps_mnist mnistm_mnist mnist_mnistm"} SEEDS="0 1 2"
TEACHER=${TEACHER:-dann_vada_radius_1}
case $TEACHER in
  dann_vada_radius_1) AUGMENT=false ;;
  dann_vada_augment_labelled) AUGMENT=true ;;
  *) echo "TEACHER must be dann_vada_radius_1 or dann_vada_augment_labelled, got $TEACHER"; exit 2 ;;
esac
R=/tmp/uda_dann_vada_gpu
RUNS=$(( $(wc -w <<< "$TASKS") * 3 ))
mkdir -p $R/report/teachers
source benchmarks/lent_gpu.sh
record_gpu $R/report/gpu.txt
build_mnistm_cache || exit 1
UDA="python3 -m benchmarks uda_results --tasks $TASKS --rows dann --seeds $SEEDS
  --set model.weight_target_entropy=0.1 --set model.weight_target_vat=0.1
  --set model.vat_radius=1.0 --set data.augment_labelled=$AUGMENT --set train.precision=32-true
  --set train.accelerator=cuda --runs-dir $R/runs/uda_$TEACHER
  --out $R/report/teachers --figures $R/report/teachers"
s=$SECONDS
timeout $TRAIN_LIMIT $UDA --parallel $RUNS > $R/report/train.log 2>&1
echo "train rc=$? wall=$((SECONDS - s))" >> $R/report/train.log
[ -f $R/report/teachers/uda.json ] || $UDA --parallel $RUNS --report-only >> $R/report/train.log 2>&1
for W in $WARPS; do
  REFINE="python3 -m benchmarks uda_refinement --teachers $TEACHER --tasks $TASKS
    --seeds $SEEDS --set train.steps=3000 --set model.teacher_every=1000
    --set model.weight_warp=$W --set train.accelerator=cuda --runs-root $R/runs
    --runs-dir $R/runs/uda_refinement_warp$W --out $R/report/refined_warp$W"
  ( s=$SECONDS
    timeout $REFINE_LIMIT $REFINE --parallel $RUNS > $R/report/refine_warp$W.log 2>&1
    echo "refine rc=$? wall=$((SECONDS - s))" >> $R/report/refine_warp$W.log
    [ -f $R/report/refined_warp$W/uda_refinement.json ] || \
      $REFINE --parallel $RUNS --report-only >> $R/report/refine_warp$W.log 2>&1 ) &
done
wait
tar czf $OUT/results.tgz -C $R/report .
tar czf $OUT/runs.tgz --exclude=checkpoints --exclude=tensorboard -C $R/runs .
tail -n 4 $R/report/*.log
