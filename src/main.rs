/// mimalloc instead of glibc's allocator: loading a big snapshot is mostly small
/// allocations, and glibc spent a quarter of the time consolidating its free lists
/// (diagnose on 10k pods: 0.70 s → 0.55 s at the same peak RSS). Transparent huge pages
/// are off (`no_thp`): with them it was faster still but held 20 % more memory.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its index in `mi_option_e` of mimalloc.h, the same in
/// mimalloc 2 and 3; libmimalloc-sys exports no constant for it): how long freed memory is
/// kept before it goes back to the system. The default (one second in mimalloc 3) kept
/// what loading frees (each list's old buffer as it doubles, each item's text once
/// parsed) mapped while the load went on allocating: 1 ms took the peak of `diagnose` on
/// 10k pods from 181 to 176 MB and on 50k from 880 to 830 MB, for ~0.02 s at 10k (the
/// kernel faulting pages in again; 10 ms gave nearly the same; docs/performance.md).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // `MIMALLOC_PURGE_DELAY` in the environment still decides, as mimalloc documents.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: takes no pointers; called before any other thread exists (the option
        // functions are not thread-safe).
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 1) };
    }
    std::process::exit(kubectl_sts::cmd::main());
}
