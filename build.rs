//! The migrations are embedded into the binary (`db::MIGRATIONS`); without this, adding or
//! editing one would not rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
