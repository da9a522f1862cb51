;; glossary — a medical acronym must be spelled out at its first use ("AVC (acidente vascular cerebral)"),
;; so patients can follow the text. Flags the first use of each listed acronym that is not followed by a
;; parenthesis, unless an earlier use was explained. Same ABI as reading_level.wat (docs/plugins.md).
(module
  (memory (export "memory") 2)

  (data (i32.const 0) "GLOSSARY-UNEXPLAINED-ACRONYM")
  (data (i32.const 32) "Sigla médica sem explicação no primeiro uso; escreva o significado entre parênteses. / Medical acronym not explained at first use; spell it out in parentheses.")
  ;; the acronyms: length-prefixed, terminated by a zero length
  (data (i32.const 256) "\03IAM\03AVC\03HAS\04DPOC\03ICC\03TEP\03TVP\04DRGE\04AINE\04IECA\03DM2\04TDAH\03TEA\03TCC\03IRC\03HPV\00")
  ;; one flag byte per acronym at 512: 1 once it was explained or reported

  (global $rule_ptr i32 (i32.const 0))
  (global $rule_len i32 (i32.const 28))
  (global $msg_ptr i32 (i32.const 32))
  (global $msg_len i32 (i32.const 163))
  (global $terms i32 (i32.const 256))
  (global $seen i32 (i32.const 512))
  (global $max_findings i32 (i32.const 100))
  (global $out i32 (i32.const 4096))
  (global $heap (mut i32) (i32.const 65536))

  (func (export "alloc") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.div_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 65536)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (local.get $ptr))

  (func $emit (param $start i32) (param $length i32)
    (local $count i32) (local $rec i32)
    (local.set $count (i32.load (global.get $out)))
    (if (i32.ge_u (local.get $count) (global.get $max_findings)) (then (return)))
    (local.set $rec (i32.add (i32.add (global.get $out) (i32.const 4)) (i32.mul (local.get $count) (i32.const 24))))
    (i32.store (local.get $rec) (local.get $start))
    (i32.store offset=4 (local.get $rec) (local.get $length))
    (i32.store offset=8 (local.get $rec) (global.get $rule_ptr))
    (i32.store offset=12 (local.get $rec) (global.get $rule_len))
    (i32.store offset=16 (local.get $rec) (global.get $msg_ptr))
    (i32.store offset=20 (local.get $rec) (global.get $msg_len))
    (i32.store (global.get $out) (i32.add (local.get $count) (i32.const 1))))

  ;; letters, digits and any byte of a multi-byte UTF-8 sequence count as word characters
  (func $word (param $b i32) (result i32)
    (i32.or
      (i32.or (i32.and (i32.ge_u (local.get $b) (i32.const 48)) (i32.le_u (local.get $b) (i32.const 57)))
              (i32.and (i32.ge_u (local.get $b) (i32.const 65)) (i32.le_u (local.get $b) (i32.const 90))))
      (i32.or (i32.and (i32.ge_u (local.get $b) (i32.const 97)) (i32.le_u (local.get $b) (i32.const 122)))
              (i32.ge_u (local.get $b) (i32.const 128)))))

  ;; 1 when the term of length $tl at $term equals the input bytes at $at
  (func $equals (param $at i32) (param $term i32) (param $tl i32) (result i32)
    (local $k i32)
    (block $differ
      (loop $cmp
        (if (i32.ge_u (local.get $k) (local.get $tl)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $k)))
                               (i32.load8_u (i32.add (local.get $term) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $cmp)))
    (i32.const 0))

  (func (export "validate") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $t i32) (local $p i32) (local $tl i32) (local $after i32) (local $explained i32)
    (i32.store (global.get $out) (i32.const 0))
    (memory.fill (global.get $seen) (i32.const 0) (i32.const 64))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        ;; only at a word start
        (if (i32.or (i32.eqz (local.get $i))
                    (i32.eqz (call $word (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $i)) (i32.const 1))))))
          (then
            (local.set $p (global.get $terms))
            (local.set $t (i32.const 0))
            (block $terms_done
              (loop $term
                (local.set $tl (i32.load8_u (local.get $p)))
                (br_if $terms_done (i32.eqz (local.get $tl)))
                (local.set $after (i32.add (local.get $i) (local.get $tl)))
                (if (i32.le_u (local.get $after) (local.get $len))
                  (then
                    (if (call $equals (i32.add (local.get $ptr) (local.get $i)) (i32.add (local.get $p) (i32.const 1)) (local.get $tl))
                      (then
                        ;; a whole word: nothing word-like right after it
                        (if (i32.or (i32.eq (local.get $after) (local.get $len))
                                    (i32.eqz (call $word (i32.load8_u (i32.add (local.get $ptr) (local.get $after))))))
                          (then
                            ;; explained when followed by "(" or " ("
                            (local.set $explained (i32.const 0))
                            (if (i32.lt_u (local.get $after) (local.get $len))
                              (then
                                (if (i32.eq (i32.load8_u (i32.add (local.get $ptr) (local.get $after))) (i32.const 40))
                                  (then (local.set $explained (i32.const 1))))))
                            (if (i32.lt_u (i32.add (local.get $after) (i32.const 1)) (local.get $len))
                              (then
                                (if (i32.and
                                      (i32.eq (i32.load8_u (i32.add (local.get $ptr) (local.get $after))) (i32.const 32))
                                      (i32.eq (i32.load8_u (i32.add (i32.add (local.get $ptr) (local.get $after)) (i32.const 1))) (i32.const 40)))
                                  (then (local.set $explained (i32.const 1))))))
                            (if (i32.eqz (i32.load8_u (i32.add (global.get $seen) (local.get $t))))
                              (then
                                (if (i32.eqz (local.get $explained))
                                  (then (call $emit (local.get $i) (local.get $tl))))
                                (i32.store8 (i32.add (global.get $seen) (local.get $t)) (i32.const 1))))))))))
                (local.set $p (i32.add (i32.add (local.get $p) (i32.const 1)) (local.get $tl)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $term)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.or
      (i64.shl (i64.extend_i32_u (global.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.add (i32.const 4) (i32.mul (i32.load (global.get $out)) (i32.const 24)))))))
