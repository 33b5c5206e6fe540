;; The kernels of the training step (lstm-network.ts and train-optimizer.ts, through train-kernels.ts), in
;; WebAssembly SIMD. Compiled by scripts/build-lstm-kernel.ts into src/model/network/lstm-train-kernel-wasm.ts
;; (npm run build:kernel).
;;
;; Profiled, half of a training step was tfjs-wasm's matrix products (XNNPACK, 26-31 GFLOP/s on these shapes, no
;; fused multiply-add) and most of the rest JavaScript loops over Float32Arrays, four to eight scalar operations per
;; element with bounds checks. tfjs's own elementwise ops cost a call each (tens of microseconds), and it has no op
;; for a segment sum or for the LSTM cell. Here every loop handles four floats per instruction, and gemm sums with
;; fused multiply-adds where the engine has relaxed SIMD.
;;
;; Pointers are byte offsets into this module's memory. The cell kernels step through H four floats at a time, so
;; they need H a multiple of 4 (train-kernels.ts runs JavaScript otherwise); gemm takes any shape (its tails run one
;; value at a time); the lookup and the segment sums take rows of G = 4H floats, always whole f32x4 vectors. The
;; gates are fused as [i | f | o | g] (sigmoid, sigmoid, sigmoid, tanh).
(module
  (memory (export "memory") 1)

  ;; exp(x), x clamped to [-87, 88]: Cody-Waite range reduction x = n ln2 + r, |r| <= ln2 / 2, the Cephes expf
  ;; polynomial for e^r (relative error about 2e-7), and 2^n built in the exponent bits. n is rounded by adding
  ;; 1.5 * 2^23 (the float's low bits are then n itself), which spares a round and a float-to-int conversion, the
  ;; latter a long instruction sequence on x64.
  (func $exp (param $x v128) (result v128)
    (local $t v128) (local $n v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)) (v128.const f32x4 88 88 88 88)))
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
                             (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
                             (v128.const f32x4 1 1 1 1)))
    ;; 2^n: the low bits of t are n + 0x400000 (t = 1.5 * 2^23 + n); (n + 127) << 23 = (bits(t) - 0x4B400000 + 127) << 23.
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.sub (local.get $t) (v128.const i32x4 0x4B3FFF81 0x4B3FFF81 0x4B3FFF81 0x4B3FFF81)) (i32.const 23))))

  (func $sigmoid (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp (f32x4.neg (local.get $x))))))

  ;; tanh(x) = 2 sigmoid(2x) - 1 (absolute error under 1e-7).
  (func $tanh (param $x v128) (result v128)
    (f32x4.sub
      (f32x4.mul (v128.const f32x4 2 2 2 2) (call $sigmoid (f32x4.add (local.get $x) (local.get $x))))
      (v128.const f32x4 1 1 1 1)))

  ;; One step of the cell for `rows` streams. pre = product + projection ([rows, G] each); then
  ;; c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c'), written to c, h and outputs ([rows, H]).
  ;; With $gates != 0 the activated gates, the cell each row started from and tanh(c') are kept for the backward
  ;; pass (gates [rows, G]; cPrev, tanhC [rows, H]).
  (func (export "cellForward")
    (param $product i32) (param $projection i32) (param $c i32) (param $h i32) (param $outputs i32)
    (param $gates i32) (param $cPrev i32) (param $tanhC i32) (param $rows i32) (param $H i32)
    (local $hb i32) (local $gb i32) (local $r i32) (local $j i32) (local $zg i32) (local $zh i32)
    (local $i v128) (local $f v128) (local $o v128) (local $g v128) (local $before v128) (local $cell v128) (local $squashed v128)
    (local.set $hb (i32.shl (local.get $H) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $H) (i32.const 4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $hb)))
            (local.set $zg (i32.add (i32.mul (local.get $r) (local.get $gb)) (local.get $j)))
            (local.set $zh (i32.add (i32.mul (local.get $r) (local.get $hb)) (local.get $j)))
            (local.set $i (call $sigmoid (f32x4.add
              (v128.load (i32.add (local.get $product) (local.get $zg)))
              (v128.load (i32.add (local.get $projection) (local.get $zg))))))
            (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
            (local.set $f (call $sigmoid (f32x4.add
              (v128.load (i32.add (local.get $product) (local.get $zg)))
              (v128.load (i32.add (local.get $projection) (local.get $zg))))))
            (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
            (local.set $o (call $sigmoid (f32x4.add
              (v128.load (i32.add (local.get $product) (local.get $zg)))
              (v128.load (i32.add (local.get $projection) (local.get $zg))))))
            (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
            (local.set $g (call $tanh (f32x4.add
              (v128.load (i32.add (local.get $product) (local.get $zg)))
              (v128.load (i32.add (local.get $projection) (local.get $zg))))))
            (local.set $before (v128.load (i32.add (local.get $c) (local.get $zh))))
            (local.set $cell (f32x4.add (f32x4.mul (local.get $f) (local.get $before)) (f32x4.mul (local.get $i) (local.get $g))))
            (local.set $squashed (call $tanh (local.get $cell)))
            (v128.store (i32.add (local.get $c) (local.get $zh)) (local.get $cell))
            (v128.store (i32.add (local.get $h) (local.get $zh)) (f32x4.mul (local.get $o) (local.get $squashed)))
            (v128.store (i32.add (local.get $outputs) (local.get $zh)) (f32x4.mul (local.get $o) (local.get $squashed)))
            (if (local.get $gates)
              (then
                (local.set $zg (i32.add (i32.mul (local.get $r) (local.get $gb)) (local.get $j)))
                (v128.store (i32.add (local.get $gates) (local.get $zg)) (local.get $i))
                (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
                (v128.store (i32.add (local.get $gates) (local.get $zg)) (local.get $f))
                (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
                (v128.store (i32.add (local.get $gates) (local.get $zg)) (local.get $o))
                (local.set $zg (i32.add (local.get $zg) (local.get $hb)))
                (v128.store (i32.add (local.get $gates) (local.get $zg)) (local.get $g))
                (v128.store (i32.add (local.get $cPrev) (local.get $zh)) (local.get $before))
                (v128.store (i32.add (local.get $tanhC) (local.get $zh)) (local.get $squashed))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; The cell's backward step for `rows` streams: from the kept gates, cPrev and tanhC, the step's output gradient
  ;; dOut and the gradients flowing back from the step after (dhNext, dcNext, [rows, H]), dLoss/d(pre-activations)
  ;; into dGates ([rows, G]), and dcNext overwritten with the cell gradient for the step before.
  (func (export "cellBackward")
    (param $gates i32) (param $cPrev i32) (param $tanhC i32) (param $dOut i32) (param $dhNext i32) (param $dcNext i32)
    (param $dGates i32) (param $rows i32) (param $H i32)
    (local $hb i32) (local $gb i32) (local $r i32) (local $j i32) (local $zg i32) (local $zh i32)
    (local $i v128) (local $f v128) (local $o v128) (local $g v128) (local $squashed v128) (local $dh v128) (local $dc v128)
    (local.set $hb (i32.shl (local.get $H) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $H) (i32.const 4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $j) (local.get $hb)))
            (local.set $zg (i32.add (i32.mul (local.get $r) (local.get $gb)) (local.get $j)))
            (local.set $zh (i32.add (i32.mul (local.get $r) (local.get $hb)) (local.get $j)))
            (local.set $i (v128.load (i32.add (local.get $gates) (local.get $zg))))
            (local.set $f (v128.load (i32.add (i32.add (local.get $gates) (local.get $zg)) (local.get $hb))))
            (local.set $o (v128.load (i32.add (i32.add (local.get $gates) (local.get $zg)) (i32.shl (local.get $hb) (i32.const 1)))))
            (local.set $g (v128.load (i32.add (i32.add (local.get $gates) (local.get $zg)) (i32.mul (local.get $hb) (i32.const 3)))))
            (local.set $squashed (v128.load (i32.add (local.get $tanhC) (local.get $zh))))
            (local.set $dh (f32x4.add (v128.load (i32.add (local.get $dOut) (local.get $zh))) (v128.load (i32.add (local.get $dhNext) (local.get $zh)))))
            ;; dc = dh o (1 - tanh(c)^2) + dcNext
            (local.set $dc (f32x4.add
              (f32x4.mul (f32x4.mul (local.get $dh) (local.get $o))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $squashed) (local.get $squashed))))
              (v128.load (i32.add (local.get $dcNext) (local.get $zh)))))
            (v128.store (i32.add (local.get $dGates) (local.get $zg))
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dc) (local.get $g)) (local.get $i))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $i))))
            (v128.store (i32.add (i32.add (local.get $dGates) (local.get $zg)) (local.get $hb))
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dc) (v128.load (i32.add (local.get $cPrev) (local.get $zh)))) (local.get $f))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $f))))
            (v128.store (i32.add (i32.add (local.get $dGates) (local.get $zg)) (i32.shl (local.get $hb) (i32.const 1)))
              (f32x4.mul (f32x4.mul (f32x4.mul (local.get $dh) (local.get $squashed)) (local.get $o))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $o))))
            (v128.store (i32.add (i32.add (local.get $dGates) (local.get $zg)) (i32.mul (local.get $hb) (i32.const 3)))
              (f32x4.mul (f32x4.mul (local.get $dc) (local.get $i))
                (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $g) (local.get $g)))))
            (v128.store (i32.add (local.get $dcNext) (local.get $zh)) (f32x4.mul (local.get $dc) (local.get $f)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $next)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; out[p] = bias + the sum of table rows ids[p * width .. p * width + width - 1], for p < positions; rows of G floats.
  (func (export "lookupRows")
    (param $table i32) (param $bias i32) (param $ids i32) (param $width i32) (param $positions i32) (param $G i32) (param $out i32)
    (local $rowBytes i32) (local $p i32) (local $a i32) (local $j i32) (local $target i32) (local $source i32) (local $id i32)
    (local.set $rowBytes (i32.shl (local.get $G) (i32.const 2)))
    (block $positionsDone
      (loop $positionLoop
        (br_if $positionsDone (i32.ge_u (local.get $p) (local.get $positions)))
        (local.set $target (i32.add (local.get $out) (i32.mul (local.get $p) (local.get $rowBytes))))
        (local.set $id (i32.add (local.get $ids) (i32.shl (i32.mul (local.get $p) (local.get $width)) (i32.const 2))))
        (local.set $source (i32.add (local.get $table) (i32.mul (i32.load (local.get $id)) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $firstDone
          (loop $first
            (br_if $firstDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $target) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $bias) (local.get $j))) (v128.load (i32.add (local.get $source) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $first)))
        (local.set $a (i32.const 1))
        (block $activeDone
          (loop $active
            (br_if $activeDone (i32.ge_u (local.get $a) (local.get $width)))
            (local.set $source (i32.add (local.get $table)
              (i32.mul (i32.load (i32.add (local.get $id) (i32.shl (local.get $a) (i32.const 2)))) (local.get $rowBytes))))
            (local.set $j (i32.const 0))
            (block $addDone
              (loop $add
                (br_if $addDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (v128.store (i32.add (local.get $target) (local.get $j))
                  (f32x4.add (v128.load (i32.add (local.get $target) (local.get $j))) (v128.load (i32.add (local.get $source) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $add)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $active)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $positionLoop))))

  ;; Row k of values ([n, width] floats) added into rows ids[k * active .. k * active + active - 1] of `sums`
  ;; (zeroed by the caller), for k < n.
  (func (export "segmentSums")
    (param $values i32) (param $ids i32) (param $active i32) (param $n i32) (param $width i32) (param $sums i32)
    (local $rowBytes i32) (local $k i32) (local $a i32) (local $j i32) (local $target i32) (local $source i32) (local $id i32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $source (i32.add (local.get $values) (i32.mul (local.get $k) (local.get $rowBytes))))
        (local.set $id (i32.add (local.get $ids) (i32.shl (i32.mul (local.get $k) (local.get $active)) (i32.const 2))))
        (local.set $a (i32.const 0))
        (block $activeDone
          (loop $activeLoop
            (br_if $activeDone (i32.ge_u (local.get $a) (local.get $active)))
            (local.set $target (i32.add (local.get $sums)
              (i32.mul (i32.load (i32.add (local.get $id) (i32.shl (local.get $a) (i32.const 2)))) (local.get $rowBytes))))
            (local.set $j (i32.const 0))
            (block $addDone
              (loop $add
                (br_if $addDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
                (v128.store (i32.add (local.get $target) (local.get $j))
                  (f32x4.add (v128.load (i32.add (local.get $target) (local.get $j))) (v128.load (i32.add (local.get $source) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $add)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $activeLoop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rowLoop))))

;; The softmax of each row k < n of logits ([n, V] floats): its max, the sum of exp(x - max) and the first index of
;; the max (as a float) into stats[3k .. 3k + 2]. With $weights != 0 the row is overwritten with its softmax times
;; weights[k] * $scale (the loss gradient's softmax part). The V mod 4 values after the last vector one at a time.
  (func (export "softmaxRows") (param $logits i32) (param $n i32) (param $V i32) (param $stats i32) (param $weights i32) (param $scale f32)
    (local $k i32) (local $j i32) (local $row i32) (local $vb i32) (local $vb4 i32) (local $best i32)
    (local $max f32) (local $sum f32) (local $value f32) (local $factor f32) (local $m v128) (local $s v128) (local $e v128)
    (local.set $vb (i32.shl (local.get $V) (i32.const 2)))
    (local.set $vb4 (i32.shl (i32.and (local.get $V) (i32.const -4)) (i32.const 2)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $row (i32.add (local.get $logits) (i32.mul (local.get $k) (local.get $vb))))
        ;; The max.
        (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $j (i32.const 0))
        (block $maxDone
          (loop $maxLoop
            (br_if $maxDone (i32.ge_u (local.get $j) (local.get $vb4)))
            (local.set $m (f32x4.max (local.get $m) (v128.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $maxLoop)))
        (local.set $max (f32.max (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
                                 (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))
        (block $maxTailDone
          (loop $maxTail
            (br_if $maxTailDone (i32.ge_u (local.get $j) (local.get $vb)))
            (local.set $max (f32.max (local.get $max) (f32.load (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $maxTail)))
        ;; Its first index.
        (local.set $best (i32.const 0))
        (block $bestDone
          (loop $bestLoop
            (br_if $bestDone (f32.eq (f32.load (i32.add (local.get $row) (local.get $best))) (local.get $max)))
            (br_if $bestDone (i32.ge_u (local.get $best) (local.get $vb)))
            (local.set $best (i32.add (local.get $best) (i32.const 4)))
            (br $bestLoop)))
        ;; exp(x - max), summed (and kept in the row for the gradient).
        (local.set $m (f32x4.splat (local.get $max)))
        (local.set $s (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $expDone
          (loop $expLoop
            (br_if $expDone (i32.ge_u (local.get $j) (local.get $vb4)))
            (local.set $e (call $exp (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $m))))
            (local.set $s (f32x4.add (local.get $s) (local.get $e)))
            (if (local.get $weights) (then (v128.store (i32.add (local.get $row) (local.get $j)) (local.get $e))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $expLoop)))
        (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
                                 (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
        (block $expTailDone
          (loop $expTail
            (br_if $expTailDone (i32.ge_u (local.get $j) (local.get $vb)))
            (local.set $value (f32x4.extract_lane 0 (call $exp (f32x4.splat (f32.sub (f32.load (i32.add (local.get $row) (local.get $j))) (local.get $max))))))
            (local.set $sum (f32.add (local.get $sum) (local.get $value)))
            (if (local.get $weights) (then (f32.store (i32.add (local.get $row) (local.get $j)) (local.get $value))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $expTail)))
        (f32.store (i32.add (local.get $stats) (i32.mul (local.get $k) (i32.const 12))) (local.get $max))
        (f32.store offset=4 (i32.add (local.get $stats) (i32.mul (local.get $k) (i32.const 12))) (local.get $sum))
        (f32.store offset=8 (i32.add (local.get $stats) (i32.mul (local.get $k) (i32.const 12)))
          (f32.convert_i32_u (i32.shr_u (local.get $best) (i32.const 2))))
        ;; The gradient's softmax part: exp(x - max) * weight * scale / sum.
        (if (local.get $weights)
          (then
            (local.set $factor (f32.div (f32.mul (f32.load (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 2)))) (local.get $scale)) (local.get $sum)))
            (local.set $e (f32x4.splat (local.get $factor)))
            (local.set $j (i32.const 0))
            (block $scaleDone
              (loop $scaleLoop
                (br_if $scaleDone (i32.ge_u (local.get $j) (local.get $vb4)))
                (v128.store (i32.add (local.get $row) (local.get $j)) (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $e)))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $scaleLoop)))
            (block $scaleTailDone
              (loop $scaleTail
                (br_if $scaleTailDone (i32.ge_u (local.get $j) (local.get $vb)))
                (f32.store (i32.add (local.get $row) (local.get $j)) (f32.mul (f32.load (i32.add (local.get $row) (local.get $j))) (local.get $factor)))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $scaleTail)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rowLoop))))

;; C[M, N] = A[M, K] x B[K, N] (or C += A x B with $accumulate), row-major; A's rows lie $lda floats apart (a block
;; of A's columns can be given), B's and C's N apart. Each block of 4 rows x 8 columns of C is summed over k in
;; eight f32x4 registers: per k, two vectors of B's row k and the four rows' A[r, k] splat. The N mod 8 columns
;; after the last block, and the M mod 4 rows after the last block of rows, are summed one at a time.
;; f32x4.relaxed_madd is a fused multiply-add where the CPU has one; build-lstm-kernel.ts also writes a plain
;; module (mul, then add) for engines without relaxed SIMD. tfjs-wasm's XNNPACK has no fused multiply-add here and
;; reached 26-31 GFLOP/s on the training step's shapes; this reaches about 40 (see train-kernels.ts).
  (func (export "gemm") (param $a i32) (param $lda i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $accumulate i32)
    (local $r i32) (local $j i32) (local $k i32) (local $nb i32) (local $nb8 i32) (local $kb i32) (local $ab i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $bp i32) (local $cp i32) (local $sum f32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $y0 v128) (local $y1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $nb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $nb8 (i32.shl (i32.and (local.get $N) (i32.const -8)) (i32.const 2)))
    (local.set $kb (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ab (i32.shl (local.get $lda) (i32.const 2)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $M)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ab))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $ab)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $ab)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $ab)))
        (local.set $j (i32.const 0))
        (block $columnsDone
          (loop $columns
            (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $nb8)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $nb))) (local.get $j)))
            (if (local.get $accumulate)
              (then
                (local.set $c00 (v128.load (local.get $cp))) (local.set $c01 (v128.load offset=16 (local.get $cp)))
                (local.set $c10 (v128.load (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 1))))) (local.set $c11 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 1)))))
                (local.set $c20 (v128.load (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 2))))) (local.set $c21 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 2)))))
                (local.set $c30 (v128.load (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 3))))) (local.set $c31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $nb) (i32.const 3)))))
              )
              (else
                (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0)) (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0)) (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0)) (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
              ))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $kb)))
                (local.set $y0 (v128.load (local.get $bp)))
                (local.set $y1 (v128.load offset=16 (local.get $bp)))
                (local.set $x0 (v128.load32_splat (i32.add (local.get $a0) (local.get $k))))
                (local.set $x1 (v128.load32_splat (i32.add (local.get $a1) (local.get $k))))
                (local.set $x2 (v128.load32_splat (i32.add (local.get $a2) (local.get $k))))
                (local.set $x3 (v128.load32_splat (i32.add (local.get $a3) (local.get $k))))
                (local.set $c00 (f32x4.relaxed_madd (local.get $x0) (local.get $y0) (local.get $c00)))
                (local.set $c01 (f32x4.relaxed_madd (local.get $x0) (local.get $y1) (local.get $c01)))
                (local.set $c10 (f32x4.relaxed_madd (local.get $x1) (local.get $y0) (local.get $c10)))
                (local.set $c11 (f32x4.relaxed_madd (local.get $x1) (local.get $y1) (local.get $c11)))
                (local.set $c20 (f32x4.relaxed_madd (local.get $x2) (local.get $y0) (local.get $c20)))
                (local.set $c21 (f32x4.relaxed_madd (local.get $x2) (local.get $y1) (local.get $c21)))
                (local.set $c30 (f32x4.relaxed_madd (local.get $x3) (local.get $y0) (local.get $c30)))
                (local.set $c31 (f32x4.relaxed_madd (local.get $x3) (local.get $y1) (local.get $c31)))
                (local.set $bp (i32.add (local.get $bp) (local.get $nb)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $kLoop)))
            (v128.store (local.get $cp) (local.get $c00)) (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $nb)))
            (v128.store (local.get $cp) (local.get $c10)) (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $nb)))
            (v128.store (local.get $cp) (local.get $c20)) (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $nb)))
            (v128.store (local.get $cp) (local.get $c30)) (v128.store offset=16 (local.get $cp) (local.get $c31))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $columns)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blocks)))
    ;; The rows after the last block of 4, 8 columns at a time.
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $M)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ab))))
        (local.set $j (i32.const 0))
        (block $columnsDone
          (loop $columns
            (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $nb8)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $nb))) (local.get $j)))
            (if (local.get $accumulate)
              (then (local.set $c00 (v128.load (local.get $cp))) (local.set $c01 (v128.load offset=16 (local.get $cp))))
              (else (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $kb)))
                (local.set $y0 (v128.load (local.get $bp)))
                (local.set $y1 (v128.load offset=16 (local.get $bp)))
                (local.set $x0 (v128.load32_splat (i32.add (local.get $a0) (local.get $k))))
                (local.set $c00 (f32x4.relaxed_madd (local.get $x0) (local.get $y0) (local.get $c00)))
                (local.set $c01 (f32x4.relaxed_madd (local.get $x0) (local.get $y1) (local.get $c01)))
                (local.set $bp (i32.add (local.get $bp) (local.get $nb)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $kLoop)))
            (v128.store (local.get $cp) (local.get $c00)) (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $columns)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    ;; The N mod 8 columns after the last block of 8, every row, one dot product at a time.
    (local.set $r (i32.const 0))
    (block $tailRowsDone
      (loop $tailRows
        (br_if $tailRowsDone (i32.ge_u (local.get $r) (local.get $M)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $ab))))
        (local.set $j (local.get $nb8))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $nb)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $nb))) (local.get $j)))
            (local.set $sum (select (f32.load (local.get $cp)) (f32.const 0) (local.get $accumulate)))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $kb)))
                (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (i32.add (local.get $a0) (local.get $k))) (f32.load (local.get $bp)))))
                (local.set $bp (i32.add (local.get $bp) (local.get $nb)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $kLoop)))
            (f32.store (local.get $cp) (local.get $sum))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $tailRows))))
)
