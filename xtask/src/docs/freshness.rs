//! The generated files against the repository on disk: which are stale, and bringing them up to
//! date. Markdown under `docs/` that the generator no longer produces counts as stale, so a renamed
//! or removed resource does not leave its old page behind.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::GeneratedFile;

/// Paths (relative to `repo_root`) whose content on disk differs from `files`, plus markdown files
/// under `docs/` that the generator no longer produces.
pub fn stale_files(repo_root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut stale: Vec<PathBuf> = files
        .iter()
        .filter(|file| !is_current(repo_root, file))
        .map(|file| file.path.clone())
        .collect();
    stale.extend(orphaned_docs(repo_root, files)?);
    Ok(stale)
}

/// Writes the files that changed and removes orphaned pages; returns the paths touched.
pub fn write_files(repo_root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut touched = Vec::new();
    for file in files.iter().filter(|file| !is_current(repo_root, file)) {
        let path = repo_root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, &file.content)
            .with_context(|| format!("writing {}", path.display()))?;
        touched.push(file.path.clone());
    }
    for orphan in orphaned_docs(repo_root, files)? {
        let path = repo_root.join(&orphan);
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        touched.push(orphan);
    }
    Ok(touched)
}

/// Whether the file on disk already has this content; a missing or unreadable file does not.
fn is_current(repo_root: &Path, file: &GeneratedFile) -> bool {
    std::fs::read_to_string(repo_root.join(&file.path))
        .ok()
        .as_deref()
        == Some(&file.content)
}

fn orphaned_docs(repo_root: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    collect_markdown(repo_root, Path::new("docs"), &mut found)?;
    found.retain(|path| !files.iter().any(|file| &file.path == path));
    found.sort();
    Ok(found)
}

fn collect_markdown(repo_root: &Path, dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(repo_root.join(dir)) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let relative = dir.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            collect_markdown(repo_root, &relative, found)?;
        } else if relative.extension().is_some_and(|ext| ext == "md") {
            found.push(relative);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_and_orphaned_files_are_reported_and_fixed_by_writing() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![GeneratedFile {
            path: PathBuf::from("docs/index.md"),
            content: "fresh\n".into(),
        }];
        std::fs::create_dir_all(dir.path().join("docs/resources")).unwrap();
        std::fs::write(dir.path().join("docs/resources/old.md"), "gone").unwrap();
        assert_eq!(
            stale_files(dir.path(), &files).unwrap(),
            vec![
                PathBuf::from("docs/index.md"),
                PathBuf::from("docs/resources/old.md")
            ]
        );
        let touched = write_files(dir.path(), &files).unwrap();
        assert_eq!(touched.len(), 2);
        assert!(stale_files(dir.path(), &files).unwrap().is_empty());
        assert!(write_files(dir.path(), &files).unwrap().is_empty());
    }
}
