;; reading_level — flags sentences longer than 30 words: lay readers (patients) lose the thread.
;; Healthcare CMS plugin ABI v1 (docs/plugins.md): exports memory, alloc(len) -> ptr,
;; validate(ptr, len) -> i64 packed (result_ptr << 32 | result_len); result = u32 count followed by
;; count records of six u32 (start, length, rule_ptr, rule_len, message_ptr, message_len), little endian.
;; start/length are UTF-8 byte offsets into the input text.
(module
  (memory (export "memory") 2)

  ;; constants: rule id at 0 (21 bytes), message at 32
  (data (i32.const 0) "READING-LONG-SENTENCE")
  (data (i32.const 32) "Frase longa demais (mais de 30 palavras); divida-a para leitores leigos. / Sentence too long (over 30 words); split it for lay readers.")

  (global $rule_ptr i32 (i32.const 0))
  (global $rule_len i32 (i32.const 21))
  (global $msg_ptr i32 (i32.const 32))
  (global $msg_len i32 (i32.const 135))
  (global $max_words i32 (i32.const 30))
  (global $max_findings i32 (i32.const 100))
  (global $out i32 (i32.const 4096))
  (global $heap (mut i32) (i32.const 65536))

  ;; bump allocator: returns 0 when the memory cannot grow (the host reports a `memory` error)
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

  (func (export "validate") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $b i32) (local $words i32) (local $in_word i32) (local $sentence i32) (local $last i32)
    (i32.store (global.get $out) (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.or (i32.or (i32.eq (local.get $b) (i32.const 46)) (i32.eq (local.get $b) (i32.const 33)))
                    (i32.or (i32.eq (local.get $b) (i32.const 63)) (i32.eq (local.get $b) (i32.const 10))))
          (then
            ;; . ! ? or a line break ends the sentence
            (if (i32.gt_u (local.get $words) (global.get $max_words))
              (then (call $emit (local.get $sentence) (i32.sub (i32.add (local.get $i) (i32.const 1)) (local.get $sentence)))))
            (local.set $words (i32.const 0))
            (local.set $in_word (i32.const 0)))
          (else
            (if (i32.or (i32.eq (local.get $b) (i32.const 32))
                        (i32.or (i32.eq (local.get $b) (i32.const 9)) (i32.eq (local.get $b) (i32.const 13))))
              (then (local.set $in_word (i32.const 0)))
              (else
                (if (i32.eqz (local.get $in_word))
                  (then
                    (if (i32.eqz (local.get $words)) (then (local.set $sentence (local.get $i))))
                    (local.set $in_word (i32.const 1))
                    (local.set $words (i32.add (local.get $words) (i32.const 1)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.gt_u (local.get $words) (global.get $max_words))
      (then (call $emit (local.get $sentence) (i32.sub (local.get $len) (local.get $sentence)))))
    (i64.or
      (i64.shl (i64.extend_i32_u (global.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.add (i32.const 4) (i32.mul (i32.load (global.get $out)) (i32.const 24)))))))
