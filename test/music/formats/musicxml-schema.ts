// Validation of MusicXML against the MusicXML 4.0 XSD (test/fixtures/musicxml-4.0) with xmllint (xmllint-wasm).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { repoRoot } from '../paths.js';

const schemaDir = resolve(repoRoot, 'test/fixtures/musicxml-4.0');
const read = (name: string): string => readFileSync(resolve(schemaDir, name), 'utf8');
// The schema imports xml.xsd and xlink.xsd from musicxml.org: point the imports at the local copies.
const schema = read('musicxml.xsd')
  .replace('http://www.musicxml.org/xsd/xml.xsd', 'xml.xsd')
  .replace('http://www.musicxml.org/xsd/xlink.xsd', 'xlink.xsd');
const preload = [
  { fileName: 'xml.xsd', contents: read('xml.xsd') },
  { fileName: 'xlink.xsd', contents: read('xlink.xsd') },
];

/** The schema's complaints about `xml` (an empty list when it is valid MusicXML 4.0). */
export async function musicXmlSchemaErrors(xml: string, fileName = 'tune.musicxml'): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName, contents: xml }], schema: [{ fileName: 'musicxml.xsd', contents: schema }], preload });
  return result.valid ? [] : result.errors.map((error) => error.rawMessage);
}
