;; The matrix-vector kernel of plain inference (lstm-inference.ts), in WebAssembly SIMD: four float32 lanes
;; and two independent accumulators per output, ~10x the speed of a scalar JS loop. Compiled by
;; scripts/build-lstm-kernel.ts into src/model/network/lstm-kernel-wasm.ts (npm run build:kernel).
(module
  (memory (export "memory") 1)
  ;; out[r] = sum_k m[r * cols + k] * x[k] for r < rows. Pointers are byte offsets; cols is a multiple of 8.
  (func (export "matvec") (param $m i32) (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $k i32) (local $row i32) (local $rowBytes i32) (local $a v128) (local $b v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $row (local.get $m))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $a
              (f32x4.add (local.get $a)
                (f32x4.mul
                  (v128.load (i32.add (local.get $row) (local.get $k)))
                  (v128.load (i32.add (local.get $x) (local.get $k))))))
            (local.set $b
              (f32x4.add (local.get $b)
                (f32x4.mul
                  (v128.load offset=16 (i32.add (local.get $row) (local.get $k)))
                  (v128.load offset=16 (i32.add (local.get $x) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br $colLoop)))
        (local.set $a (f32x4.add (local.get $a) (local.get $b)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
