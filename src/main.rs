use std::process::ExitCode;

fn main() -> ExitCode {
    kftui::launch::main()
}
