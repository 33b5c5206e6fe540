// The production compose service: the compose pipeline (src/compose/composer.ts) on a model folder, loaded by
// each compose worker thread. Reload opens the new folder first and only then switches, so the old model
// keeps serving until the new one has loaded, and a folder that fails to load leaves it in place.
import { Composer } from '../compose/composer.js';
import type { ModelInfo as GeneratorInfo } from '../model/generation/generator.js';
import { styleSongs } from '../compose/style-summary.js';
import type { ComposeService, ComposeServiceSettings, ModelInfo } from './compose-service.js';

function describe(info: GeneratorInfo, dir: string, meters: readonly string[]): ModelInfo {
  const styles = info.styles.map((style) => ({ name: style.name, description: style.description, songs: styleSongs(style), usualMeter: style.usualMeter }));
  const validation: Record<string, number> = {};
  if (info.validation.bitsPerNote !== null) validation['bits per note'] = info.validation.bitsPerNote;
  if (info.validation.accuracy !== null) validation['next-note accuracy'] = info.validation.accuracy;
  return {
    name: info.name,
    data: `${info.trainedOn}: ${info.songs.toLocaleString('en-US')} songs`,
    parameters: info.parameters,
    validation,
    backend: info.backend,
    dir,
    meters,
    ...(styles.length > 0 ? { styles } : {}),
    ...(info.warnings.length > 0 ? { warnings: info.warnings } : {}),
  };
}

export async function createComposeService(modelDir: string, settings: ComposeServiceSettings = { audio: 'mp3' }): Promise<ComposeService> {
  let composer = await Composer.open(modelDir, { audio: settings.audio });
  let dir = modelDir;
  return {
    compose: (options) => composer.compose(options),
    modelInfo: () => describe(composer.info, dir, composer.meters),
    async reload(nextDir: string) {
      const next = await Composer.open(nextDir, { audio: settings.audio });
      const previous = composer;
      composer = next;
      dir = nextDir;
      // Jobs already running on the previous model hold their own references; new ones use `next`.
      setTimeout(() => previous.dispose(), 60_000).unref();
      return describe(next.info, nextDir, next.meters);
    },
    async close() {
      composer.dispose();
    },
  };
}
