;; The optimiser's kernel (train-optimizer.ts, through shared-training-memory.ts), in WebAssembly SIMD, over a
;; shared memory that holds the flat weights, the replicas' gradient slots and the Adam moments, so that the main
;; thread's step between two training steps copies nothing: the replicas (worker threads) write their gradients
;; into the slots and read the weights from the same memory. Compiled by scripts/build-lstm-kernel.ts into
;; src/model/network/lstm-optimizer-kernel-wasm.ts (npm run build:kernel).
;;
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Its passes over the flat weights, `size` floats each, a multiple of 4 (every array is padded with zeros):
  ;; a += b (the replicas' gradients summed), the sum of squares (the global norm, in f64 lanes), and one Adam
  ;; step: g' = g scale, m = b1 m + (1 - b1) g', v = b2 v + (1 - b2) g'^2, w -= rate m / (sqrt(v) + epsilon).
  (func (export "addInto") (param $a i32) (param $b i32) (param $size i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next))))

  (func (export "sumSquares") (param $g i32) (param $size i32) (result f64)
    (local $end i32) (local $x v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $size) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $x (v128.load (local.get $g)))
        (local.set $x (f32x4.mul (local.get $x) (local.get $x)))
        (local.set $low (f64x2.add (local.get $low) (f64x2.promote_low_f32x4 (local.get $x))))
        (local.set $high (f64x2.add (local.get $high)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $next)))
    (local.set $low (f64x2.add (local.get $low) (local.get $high)))
    (f64.add (f64x2.extract_lane 0 (local.get $low)) (f64x2.extract_lane 1 (local.get $low))))

  (func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $size i32)
    (param $scale f32) (param $rate f32) (param $beta1 f32) (param $beta2 f32) (param $epsilon f32)
    (local $k i32) (local $end i32) (local $x v128) (local $mk v128) (local $vk v128)
    (local $s v128) (local $r v128) (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128) (local $e v128)
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $r (f32x4.splat (local.get $rate)))
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $c1 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta1))))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c2 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta2))))
    (local.set $e (f32x4.splat (local.get $epsilon)))
    (local.set $end (i32.shl (local.get $size) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $x (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $k))) (local.get $s)))
        (local.set $mk (f32x4.add (f32x4.mul (local.get $b1) (v128.load (i32.add (local.get $m) (local.get $k)))) (f32x4.mul (local.get $c1) (local.get $x))))
        (local.set $vk (f32x4.add (f32x4.mul (local.get $b2) (v128.load (i32.add (local.get $v) (local.get $k))))
                                  (f32x4.mul (local.get $c2) (f32x4.mul (local.get $x) (local.get $x)))))
        (v128.store (i32.add (local.get $m) (local.get $k)) (local.get $mk))
        (v128.store (i32.add (local.get $v) (local.get $k)) (local.get $vk))
        (v128.store (i32.add (local.get $w) (local.get $k))
          (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $k)))
            (f32x4.div (f32x4.mul (local.get $r) (local.get $mk)) (f32x4.add (f32x4.sqrt (local.get $vk)) (local.get $e)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))))
