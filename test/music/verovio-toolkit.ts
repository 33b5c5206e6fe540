// A verovio toolkit for tests that check what another engraver reads in folkbot's files (kern, MusicXML).
/** The few verovio calls the tests make (the package ships no types; the specifiers are variables on purpose). */
export interface Toolkit {
  setOptions(options: Record<string, string>): void;
  loadData(data: string): boolean | number;
  renderToSVG(page: number): string;
  /** The loaded score as a Standard MIDI File, base64. */
  renderToMIDI(): string;
  destroy(): void;
}

export async function verovioToolkit(): Promise<Toolkit> {
  const modulePath: string = 'verovio/wasm-hum';
  const toolkitPath: string = 'verovio/esm';
  const { default: createModule } = (await import(modulePath)) as { default: () => Promise<unknown> };
  const { VerovioToolkit } = (await import(toolkitPath)) as { VerovioToolkit: new (module: unknown) => Toolkit };
  return new VerovioToolkit(await createModule());
}
