;; The kernels of plain inference (lstm-inference.ts), in WebAssembly SIMD. Compiled by
;; scripts/build-lstm-kernel.ts into src/model/network/lstm-kernel-wasm.ts (npm run build:kernel).
;;
;; Every output of a matrix-vector product is one row's dot product with four float32 lanes and two accumulators
;; (a: columns 8i..8i+3, b: 8i+4..8i+7), summed a + b and then lanes (0 + 1) + (2 + 3). That order is part of the
;; product's promise: generated tunes depend on the logits' last bit, so every kernel below computes each row in
;; exactly this order, whether rows come one at a time, four at a time, or picked by an index list.
;; Pointers are byte offsets; cols is a multiple of 8.
(module
  (memory (export "memory") 1)

  ;; One row's dot product in the order above.
  (func $dot (param $row i32) (param $x i32) (param $rowBytes i32) (result f32)
    (local $k i32) (local $a v128) (local $b v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $a (f32x4.add (local.get $a)
          (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $x) (local.get $k))))))
        (local.set $b (f32x4.add (local.get $b)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $k))) (v128.load offset=16 (i32.add (local.get $x) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (br $next)))
    (call $lanes (f32x4.add (local.get $a) (local.get $b))))

  (func $lanes (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Four rows' dot products at once (rows at $r0..$r3), stored at out0..out3: the same arithmetic per row as $dot,
  ;; but eight independent accumulators keep the adds' latency hidden (a single row waits on its two).
  (func $dot4 (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32) (param $x i32) (param $rowBytes i32)
              (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32)
    (local $k i32) (local $xa v128) (local $xb v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $xa (v128.load (i32.add (local.get $x) (local.get $k))))
        (local.set $xb (v128.load offset=16 (i32.add (local.get $x) (local.get $k))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $r0) (local.get $k))) (local.get $xa))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r0) (local.get $k))) (local.get $xb))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $r1) (local.get $k))) (local.get $xa))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r1) (local.get $k))) (local.get $xb))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $r2) (local.get $k))) (local.get $xa))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r2) (local.get $k))) (local.get $xb))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $r3) (local.get $k))) (local.get $xa))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r3) (local.get $k))) (local.get $xb))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (br $next)))
    (f32.store (local.get $o0) (call $lanes (f32x4.add (local.get $a0) (local.get $b0))))
    (f32.store (local.get $o1) (call $lanes (f32x4.add (local.get $a1) (local.get $b1))))
    (f32.store (local.get $o2) (call $lanes (f32x4.add (local.get $a2) (local.get $b2))))
    (f32.store (local.get $o3) (call $lanes (f32x4.add (local.get $a3) (local.get $b3)))))

  ;; out[r] = sum_k m[r * cols + k] * x[k] for r < rows.
  (func (export "matvec") (param $m i32) (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $rowBytes i32) (local $row i32) (local $o i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $row (local.get $m))
    (local.set $o (local.get $out))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (call $dot4
          (local.get $row)
          (i32.add (local.get $row) (local.get $rowBytes))
          (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 1)))
          (i32.add (local.get $row) (i32.mul (local.get $rowBytes) (i32.const 3)))
          (local.get $x) (local.get $rowBytes)
          (local.get $o) (i32.add (local.get $o) (i32.const 4)) (i32.add (local.get $o) (i32.const 8)) (i32.add (local.get $o) (i32.const 12)))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $rowBytes) (i32.const 2))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $blocks)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store (local.get $o) (call $dot (local.get $row) (local.get $x) (local.get $rowBytes)))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; out[p] = sum_k m[p * cols + k] * x[k] for the rows p listed in the int32 array at $list ($count of them): the
  ;; logits of the tokens the grammar allows, the others left as they are.
  (func (export "matvecRows") (param $m i32) (param $x i32) (param $out i32) (param $list i32) (param $count i32) (param $cols i32)
    (local $i i32) (local $rowBytes i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $entry i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
        (local.set $entry (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $p0 (i32.load (local.get $entry)))
        (local.set $p1 (i32.load offset=4 (local.get $entry)))
        (local.set $p2 (i32.load offset=8 (local.get $entry)))
        (local.set $p3 (i32.load offset=12 (local.get $entry)))
        (call $dot4
          (i32.add (local.get $m) (i32.mul (local.get $p0) (local.get $rowBytes)))
          (i32.add (local.get $m) (i32.mul (local.get $p1) (local.get $rowBytes)))
          (i32.add (local.get $m) (i32.mul (local.get $p2) (local.get $rowBytes)))
          (i32.add (local.get $m) (i32.mul (local.get $p3) (local.get $rowBytes)))
          (local.get $x) (local.get $rowBytes)
          (i32.add (local.get $out) (i32.shl (local.get $p0) (i32.const 2)))
          (i32.add (local.get $out) (i32.shl (local.get $p1) (i32.const 2)))
          (i32.add (local.get $out) (i32.shl (local.get $p2) (i32.const 2)))
          (i32.add (local.get $out) (i32.shl (local.get $p3) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $blocks)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p0 (i32.load (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $p0) (i32.const 2)))
          (call $dot (i32.add (local.get $m) (i32.mul (local.get $p0) (local.get $rowBytes))) (local.get $x) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop))))

  ;; out[j] = ((t[r0][j] + t[r1][j]) + t[r2][j]) + ... for j < cols, in float32, for the $count rows r listed in
  ;; the int32 array at $list: the first layer's input, a sum of the table's active rows (one-hot token plus
  ;; features). Float32 adds in this order give the same bits as the JS loop over Float32Arrays.
  (func (export "sumRows") (param $table i32) (param $list i32) (param $count i32) (param $out i32) (param $cols i32)
    (local $i i32) (local $k i32) (local $rowBytes i32) (local $row i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $row (i32.add (local.get $table) (i32.mul (i32.load (local.get $list)) (local.get $rowBytes))))
    (block $copied
      (loop $copy
        (br_if $copied (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $out) (local.get $k)) (v128.load (i32.add (local.get $row) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $copy)))
    (local.set $i (i32.const 1))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $row (i32.add (local.get $table)
          (i32.mul (i32.load (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $k (i32.const 0))
        (block $added
          (loop $add
            (br_if $added (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $out) (local.get $k))
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $k))) (v128.load (i32.add (local.get $row) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $add)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
