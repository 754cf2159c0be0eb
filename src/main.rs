fn main() {
    std::process::exit(awsrun::app::main());
}
