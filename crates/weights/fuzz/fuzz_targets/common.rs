//! Shared by the targets: open, then load every analysable tensor; never a panic, and a loaded
//! tensor has exactly the elements its listing promised.

use quantscope_weights::Archive;

pub fn exercise(bytes: Vec<u8>) {
    let Ok(mut archive) = Archive::open(bytes, "x") else { return };
    let listed = archive.tensors().to_vec();
    for info in listed.iter().filter(|t| t.analysable()) {
        if let Ok(t) = archive.load(&info.name, 0) {
            assert_eq!(t.len() as u64, info.elements.max(1));
        }
    }
}
