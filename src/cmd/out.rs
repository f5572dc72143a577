//! What the commands print goes through here: each piece is one write to the locked
//! stdout, and an error comes back as an error. A reader that went away (`kubectl sts
//! snapshot -A | head`) is a broken pipe, which `main` turns into a quiet exit 141, as Unix
//! tools end; `print!` would panic instead.

use std::io::Write;

pub fn write(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `print!` that returns the write's error from the enclosing function.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cmd::out::write(&format!($($arg)*))?
    };
}

/// `println!` that returns the write's error from the enclosing function.
macro_rules! outln {
    () => {
        $crate::cmd::out::write("\n")?
    };
    ($($arg:tt)*) => {
        $crate::cmd::out::write(&format!("{}\n", format_args!($($arg)*)))?
    };
}

pub(crate) use {out, outln};
