;; An experiment, not part of the library (bench/layout-wasm.ts runs it): vepfsLayout's
;; common lines formatted by WebAssembly, to measure what moving the number formatting
;; out of JS would gain. JS reads each record's fields onto a tape; `format` writes the
;; lines as json.dumps and str() would, as lib/files/lineBytes.ts does:
;; safe ints, floats 1e-4 < |x| < 1e5 with at most 9 decimal places, short lists of them.
;; Any other number makes `format` return -1.
;;
;; Memory (40 pages): the tape's values (f64) from 0, its ops (u8) from 524288, strings
;; from 589824, the output from 655360, the digit pairs '00'..'99' (written by JS) at 2097152.
;; Ops: 0 a string (value: offset << 8 | length, from 589824) then ';'; 1 a number then
;; ';'; 2 a list of `value` numbers (the next tape entries) then ';'; 3 the same then '\n'.
(module
  (memory (export "mem") 40)
  ;; how many decimal digits 0 <= n < 2**31 has
  (func $len31 (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 100000))
      (then (if (result i32) (i32.lt_u (local.get $n) (i32.const 100))
        (then (select (i32.const 1) (i32.const 2) (i32.lt_u (local.get $n) (i32.const 10))))
        (else (select (i32.const 3) (select (i32.const 4) (i32.const 5) (i32.lt_u (local.get $n) (i32.const 10000))) (i32.lt_u (local.get $n) (i32.const 1000))))))
      (else (if (result i32) (i32.lt_u (local.get $n) (i32.const 10000000))
        (then (select (i32.const 6) (i32.const 7) (i32.lt_u (local.get $n) (i32.const 1000000))))
        (else (select (i32.const 8) (select (i32.const 9) (i32.const 10) (i32.lt_u (local.get $n) (i32.const 1000000000))) (i32.lt_u (local.get $n) (i32.const 100000000))))))))
  ;; writes n as exactly $width digits ending at $end (width >= digits of n)
  (func $before (param $end i32) (param $n i32) (param $width i32)
    (local $i i32) (local $q i32) (local $r i32) (local $start i32)
    (local.set $i (local.get $end))
    (local.set $start (i32.sub (local.get $end) (local.get $width)))
    (block $done (loop $l
      (br_if $done (i32.lt_u (local.get $n) (i32.const 100)))
      (local.set $q (i32.div_u (local.get $n) (i32.const 100)))
      (local.set $r (i32.shl (i32.sub (local.get $n) (i32.mul (local.get $q) (i32.const 100))) (i32.const 1)))
      (local.set $i (i32.sub (local.get $i) (i32.const 2)))
      (i32.store16 (local.get $i) (i32.load16_u offset=2097152 (local.get $r)))
      (local.set $n (local.get $q))
      (br $l)))
    (if (i32.ge_u (local.get $n) (i32.const 10))
      (then
        (local.set $i (i32.sub (local.get $i) (i32.const 2)))
        (i32.store16 (local.get $i) (i32.load16_u offset=2097152 (i32.shl (local.get $n) (i32.const 1)))))
      (else
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (i32.store8 (local.get $i) (i32.add (local.get $n) (i32.const 48)))))
    (block $d2 (loop $z
      (br_if $d2 (i32.le_s (local.get $i) (local.get $start)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (local.get $i) (i32.const 48))
      (br $z))))
  ;; writes n in decimal at $pos; returns the position after it
  (func $u31 (param $pos i32) (param $n i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $pos) (call $len31 (local.get $n))))
    (call $before (local.get $end) (local.get $n) (i32.const 1))
    (local.get $end))
  ;; json.dumps of a number; -1 to leave it to JS
  (func $num (param $pos i32) (param $x f64) (result i32)
    (local $abs f64) (local $t i32) (local $d i32) (local $scale f64) (local $scaled f64) (local $k f64) (local $off f64) (local $whole i32) (local $ki i32) (local $high f64)
    (local.set $t (i32.trunc_sat_f64_s (local.get $x)))
    (if (f64.eq (f64.convert_i32_s (local.get $t)) (local.get $x))
      (then
        (if (i32.lt_s (local.get $t) (i32.const 0))
          (then (i32.store8 (local.get $pos) (i32.const 45))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                (return (call $u31 (local.get $pos) (i32.sub (i32.const 0) (local.get $t))))))
        (return (call $u31 (local.get $pos) (local.get $t)))))
    (local.set $abs (f64.abs (local.get $x)))
    (if (i32.and (f64.gt (local.get $abs) (f64.const 1e-4)) (f64.lt (local.get $abs) (f64.const 1e5)))
      (then
        (local.set $d (i32.const 1))
        (local.set $scale (f64.const 10))
        (block $fail (loop $try
          (local.set $scaled (f64.mul (local.get $abs) (local.get $scale)))
          (br_if $fail (f64.ge (local.get $scaled) (f64.const 2147483647)))
          (local.set $k (f64.floor (f64.add (local.get $scaled) (f64.const 0.5))))
          (local.set $off (f64.sub (local.get $scaled) (local.get $k)))
          (if (i32.and (f64.le (local.get $off) (f64.const 1e-6)) (f64.ge (local.get $off) (f64.const -1e-6)))
            (then
              (br_if $fail (f64.ne (f64.div (local.get $k) (local.get $scale)) (local.get $abs)))
              (local.set $ki (i32.trunc_f64_u (local.get $k)))
              (br_if $fail (i32.eqz (i32.rem_u (local.get $ki) (i32.const 10))))
              (if (f64.lt (local.get $x) (f64.const 0))
                (then (i32.store8 (local.get $pos) (i32.const 45))
                      (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
              (local.set $whole (i32.trunc_f64_u (f64.div (local.get $k) (local.get $scale))))
              (local.set $pos (call $u31 (local.get $pos) (local.get $whole)))
              (i32.store8 (local.get $pos) (i32.const 46))
              (local.set $pos (i32.add (i32.add (local.get $pos) (i32.const 1)) (local.get $d)))
              (call $before (local.get $pos)
                (i32.trunc_f64_u (f64.sub (local.get $k) (f64.mul (f64.convert_i32_u (local.get $whole)) (local.get $scale))))
                (local.get $d))
              (return (local.get $pos))))
          (local.set $d (i32.add (local.get $d) (i32.const 1)))
          (local.set $scale (f64.mul (local.get $scale) (f64.const 10)))
          (br_if $try (i32.le_u (local.get $d) (i32.const 9)))))
        (return (i32.const -1))))
    ;; safe integer beyond int32
    (if (i32.and (f64.eq (f64.trunc (local.get $x)) (local.get $x)) (f64.le (local.get $abs) (f64.const 9007199254740991)))
      (then
        (if (f64.lt (local.get $x) (f64.const 0))
          (then (i32.store8 (local.get $pos) (i32.const 45))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
        (local.set $high (f64.floor (f64.div (local.get $abs) (f64.const 1e9))))
        (local.set $pos (call $u31 (local.get $pos) (i32.trunc_f64_u (local.get $high))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 9)))
        (call $before (local.get $pos) (i32.trunc_f64_u (f64.sub (local.get $abs) (f64.mul (local.get $high) (f64.const 1e9)))) (i32.const 9))
        (return (local.get $pos))))
    (i32.const -1))
  ;; writes the lines of tape entries $t to $end at $pos; returns the position after them, or -1
  (func (export "format") (param $t i32) (param $end i32) (param $pos i32) (result i32)
    (local $op i32) (local $v f64) (local $n i32) (local $i i32) (local $s i32) (local $len i32)
    (block $out (loop $l
      (br_if $out (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $op (i32.load8_u offset=524288 (local.get $t)))
      (local.set $v (f64.load (i32.shl (local.get $t) (i32.const 3))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (if (i32.eqz (local.get $op))
        (then
          (local.set $s (i32.add (i32.const 589824) (i32.shr_u (i32.trunc_f64_u (local.get $v)) (i32.const 8))))
          (local.set $len (i32.and (i32.trunc_f64_u (local.get $v)) (i32.const 255)))
          (memory.copy (local.get $pos) (local.get $s) (local.get $len))
          (local.set $pos (i32.add (local.get $pos) (local.get $len))))
        (else (if (i32.eq (local.get $op) (i32.const 1))
          (then (local.set $pos (call $num (local.get $pos) (local.get $v)))
                (if (i32.lt_s (local.get $pos) (i32.const 0)) (then (return (i32.const -1)))))
          (else
            (local.set $n (i32.trunc_f64_u (local.get $v)))
            (i32.store8 (local.get $pos) (i32.const 91))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (local.set $i (i32.const 0))
            (block $ld (loop $li
              (br_if $ld (i32.ge_u (local.get $i) (local.get $n)))
              (if (local.get $i) (then
                (i32.store16 (local.get $pos) (i32.const 0x202c))
                (local.set $pos (i32.add (local.get $pos) (i32.const 2)))))
              (local.set $pos (call $num (local.get $pos) (f64.load (i32.shl (local.get $t) (i32.const 3)))))
              (if (i32.lt_s (local.get $pos) (i32.const 0)) (then (return (i32.const -1))))
              (local.set $t (i32.add (local.get $t) (i32.const 1)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $li)))
            (i32.store8 (local.get $pos) (i32.const 93))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))))
      (i32.store8 (local.get $pos) (select (i32.const 10) (i32.const 59) (i32.eq (local.get $op) (i32.const 3))))
      (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
      (br $l)))
    (local.get $pos))
)
