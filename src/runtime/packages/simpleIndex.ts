import { isPep440Prerelease, comparePep440 } from './versions.js';
import { isPep440Version, normalizePypiName } from '../../packages/validation.js';

/**
 * PEP 503 (HTML) and PEP 691 (JSON) simple repository pages: which versions of a project an
 * index offers. Pure parsing here; the fetch is in pipInstaller.
 */
export interface IndexFile {
  readonly filename: string;
  readonly yanked: boolean;
}

const SDIST = /\.(tar\.gz|tar\.bz2|tgz|zip)$/i;

export function parseSimplePage(body: string, contentType: string): IndexFile[] {
  if (/json/i.test(contentType)) {
    const parsed = JSON.parse(body) as { files?: Array<{ filename?: unknown; yanked?: unknown }> };
    return (parsed.files ?? [])
      .filter((f) => typeof f.filename === 'string')
      .map((f) => ({ filename: f.filename as string, yanked: f.yanked !== undefined && f.yanked !== false }));
  }
  const files: IndexFile[] = [];
  for (const m of body.matchAll(/<a\b([^>]*)>([^<]*)<\/a>/gi)) {
    const filename = decodeEntities((m[2] ?? '').trim());
    if (filename) files.push({ filename, yanked: /\bdata-yanked\b/i.test(m[1] ?? '') });
  }
  return files;
}

/** The version in a wheel or sdist file name of `project`, or undefined if the file is not one of its releases. */
export function versionFromFilename(filename: string, project: string): string | undefined {
  const name = normalizePypiName(project);
  let version: string | undefined;
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length >= 5 && normalizePypiName(parts[0] as string) === name) version = parts[1];
  } else if (SDIST.test(filename)) {
    const stem = filename.replace(SDIST, '');
    for (let i = stem.indexOf('-'); i !== -1; i = stem.indexOf('-', i + 1)) {
      if (normalizePypiName(stem.slice(0, i)) === name) {
        version = stem.slice(i + 1);
        break;
      }
    }
  }
  return version !== undefined && isPep440Version(version) ? version : undefined;
}

/** The newest non-yanked release; prereleases count only if `current` is one (as pip does). */
export function newestVersion(
  files: readonly IndexFile[],
  project: string,
  current?: string,
): string | undefined {
  const allowPre = current !== undefined && isPep440Prerelease(current);
  let best: string | undefined;
  for (const file of files) {
    if (file.yanked) continue;
    const v = versionFromFilename(file.filename, project);
    if (v === undefined || (!allowPre && isPep440Prerelease(v))) continue;
    if (best === undefined || (comparePep440(v, best) ?? 0) > 0) best = v;
  }
  return best;
}

/** The project page URL under an index base (PEP 503: normalized name, trailing slash). */
export const projectUrl = (indexUrl: string, project: string): string =>
  `${indexUrl.replace(/\/+$/, '')}/${encodeURIComponent(normalizePypiName(project))}/`;

function decodeEntities(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '',
  );
}
