//! Guides in the registry layout: each `templates/guides/<name>.md.tmpl` renders to
//! `docs/guides/<name>.md`. A template is markdown with front matter (`page_title` required) and
//! two functions, as in tfplugindocs, that embed files of the repository so the guides show the
//! configurations the tests run rather than copies of them:
//!
//! - `{{ tffile "examples/guides/x/main.tf" }}`: the file in a `terraform` code block;
//! - `{{ codefile "shell" "examples/guides/x/run.sh" }}`: the file in a code block of that language.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{generated_comment, GeneratedFile};

const TEMPLATE_DIR: &str = "templates/guides";
const TEMPLATE_SUFFIX: &str = ".md.tmpl";

/// Every guide, rendered; none when the repository has no `templates/guides/`.
pub(super) fn render_guides(repo_root: &Path) -> Result<Vec<GeneratedFile>> {
    let dir = repo_root.join(TEMPLATE_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("listing {}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let file_name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(name) = file_name.strip_suffix(TEMPLATE_SUFFIX) {
            names.push(name.to_string());
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = dir.join(format!("{name}{TEMPLATE_SUFFIX}"));
            let template = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let content = render_guide(&template, |file| {
                std::fs::read_to_string(repo_root.join(file)).with_context(|| {
                    format!("{} embeds {file}, which cannot be read", path.display())
                })
            })
            .with_context(|| format!("rendering {}", path.display()))?;
            Ok(GeneratedFile {
                path: PathBuf::from(format!("docs/guides/{name}.md")),
                content,
            })
        })
        .collect()
}

/// One guide: the template's front matter with the generated-file comment first, and its body with
/// every function call replaced by the code block it stands for. `read` returns a repository file.
fn render_guide(template: &str, read: impl Fn(&str) -> Result<String>) -> Result<String> {
    let Some(rest) = template.strip_prefix("---\n") else {
        bail!("a guide starts with front matter (`---`, `page_title: \"...\"`, `---`)");
    };
    let Some((front_matter, body)) = rest.split_once("\n---\n") else {
        bail!("the front matter is not closed by a `---` line");
    };
    if !front_matter
        .lines()
        .any(|line| line.starts_with("page_title: "))
    {
        bail!("the front matter has no `page_title`");
    }
    let mut out = format!("---\n{}\n{front_matter}\n---\n", generated_comment());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(length) = rest[start..].find("}}") else {
            bail!("`{{{{` without `}}}}`");
        };
        out.push_str(&call(rest[start + 2..start + length].trim(), &read)?);
        rest = &rest[start + length + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The code block one function call stands for.
fn call(expression: &str, read: &impl Fn(&str) -> Result<String>) -> Result<String> {
    let words: Vec<&str> = expression.split_whitespace().collect();
    let (language, file) = match words.as_slice() {
        ["tffile", file] => ("terraform", *file),
        ["codefile", language, file] => (unquote(language)?, *file),
        _ => bail!(
            "unknown template call `{{{{ {expression} }}}}`: use `tffile \"path\"` or `codefile \"language\" \"path\"`"
        ),
    };
    let content = read(unquote(file)?)?;
    Ok(format!("```{language}\n{}\n```", content.trim_end()))
}

fn unquote(word: &str) -> Result<&str> {
    word.strip_prefix('"')
        .and_then(|word| word.strip_suffix('"'))
        .with_context(|| format!("`{word}` should be a quoted string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(path: &str) -> Result<String> {
        match path {
            "examples/a.tf" => Ok("resource \"x\" \"y\" {}\n\n".into()),
            "examples/run.sh" => Ok("terraform test\n".into()),
            _ => bail!("no {path}"),
        }
    }

    #[test]
    fn a_guide_embeds_files_and_marks_itself_generated() {
        let template = "---\npage_title: \"Testing\"\nsubcategory: \"Guides\"\n---\n\n# Testing\n\n\
                        {{ tffile \"examples/a.tf\" }}\n\nThen:\n\n{{codefile \"shell\" \"examples/run.sh\"}}\n";
        let guide = render_guide(template, files).unwrap();
        assert_eq!(
            guide,
            format!(
                "---\n{}\npage_title: \"Testing\"\nsubcategory: \"Guides\"\n---\n\n# Testing\n\n\
                 ```terraform\nresource \"x\" \"y\" {{}}\n```\n\nThen:\n\n```shell\nterraform test\n```\n",
                generated_comment()
            )
        );
    }

    #[test]
    fn a_guide_without_page_title_or_with_a_bad_call_is_an_error() {
        let no_title = render_guide("---\ntitle: x\n---\nbody\n", files).unwrap_err();
        assert!(no_title.to_string().contains("page_title"), "{no_title:#}");
        assert!(render_guide("no front matter", files).is_err());
        let unknown = render_guide("---\npage_title: \"x\"\n---\n{{ include \"a\" }}\n", files);
        assert!(format!("{:#}", unknown.unwrap_err()).contains("unknown template call"));
        let missing = render_guide(
            "---\npage_title: \"x\"\n---\n{{ tffile \"nope.tf\" }}\n",
            files,
        );
        assert!(format!("{:#}", missing.unwrap_err()).contains("no nope.tf"));
        assert!(render_guide("---\npage_title: \"x\"\n---\n{{ tffile \"a\"\n", files).is_err());
    }

    #[test]
    fn a_stale_or_missing_guide_is_reported() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join(TEMPLATE_DIR)).unwrap();
        std::fs::write(
            repo.path().join(TEMPLATE_DIR).join("ci.md.tmpl"),
            "---\npage_title: \"CI\"\n---\nRun it.\n",
        )
        .unwrap();
        let guides = render_guides(repo.path()).unwrap();
        assert_eq!(guides.len(), 1);
        assert_eq!(guides[0].path, PathBuf::from("docs/guides/ci.md"));
        let stale = super::super::stale_files(repo.path(), &guides).unwrap();
        assert_eq!(stale, vec![PathBuf::from("docs/guides/ci.md")]);
        super::super::write_files(repo.path(), &guides).unwrap();
        assert!(super::super::stale_files(repo.path(), &guides)
            .unwrap()
            .is_empty());
        std::fs::write(repo.path().join("docs/guides/ci.md"), "edited by hand").unwrap();
        assert_eq!(
            super::super::stale_files(repo.path(), &guides).unwrap(),
            vec![PathBuf::from("docs/guides/ci.md")]
        );
    }
}
