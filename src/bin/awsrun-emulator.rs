fn main() {
    eprintln!("awsrun-emulator: not built yet");
    std::process::exit(2);
}
