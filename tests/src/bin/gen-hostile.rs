//! Write the generated hostile inputs to a folder: `gen-hostile DIR`.
fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: gen-hostile DIR");
        return std::process::ExitCode::from(2);
    };
    match amlguard_tests::hostile::write_all(std::path::Path::new(&dir)) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
