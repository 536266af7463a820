//! The provider's release archive: one zip holding the executable, byte-for-byte reproducible (fixed
//! timestamp, fixed permissions), so that the same binary always gives the same `zh:` checksum.

use std::io::{Seek, Write};
use std::path::Path;

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Writes `archive` holding `binary` under `entry_name`, executable for everyone. Written aside and
/// renamed, so an existing archive (and any hard link to it, as in the mirror) is never half-written.
pub fn write_zip(binary: &Path, entry_name: &str, archive: &Path) -> Result<()> {
    let bytes = std::fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
    let partial = archive.with_extension("zip.partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    zip_into(file, entry_name, &bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, archive)
        .with_context(|| format!("renaming {} to {}", partial.display(), archive.display()))
}

fn zip_into(out: impl Write + Seek, entry_name: &str, bytes: &[u8]) -> Result<()> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        // The zip epoch: no build time leaks into the checksum.
        .last_modified_time(DateTime::default())
        .unix_permissions(0o755)
        .large_file(bytes.len() >= u32::MAX as usize);
    let mut zip = ZipWriter::new(out);
    zip.start_file(entry_name, options)?;
    zip.write_all(bytes)?;
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn zipped(bytes: &[u8]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        zip_into(&mut out, "terraform-provider-nac_v0.1.0", bytes).unwrap();
        out.into_inner()
    }

    #[test]
    fn same_input_same_bytes_and_the_entry_is_executable() {
        let a = zipped(b"\x7fELF provider");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(
            a,
            zipped(b"\x7fELF provider"),
            "the archive must not depend on the time"
        );
        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "terraform-provider-nac_v0.1.0");
        // No build time in the archive, so the checksum depends on the binary alone.
        assert_eq!(entry.last_modified(), Some(DateTime::default()));
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, b"\x7fELF provider");
    }
}
