fn main() {
    std::process::exit(kubectl_sts::cmd::main());
}
