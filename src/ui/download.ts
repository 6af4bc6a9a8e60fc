// Handing bytes to the browser's download (no server involved): one way for every page's exports.

/** Save `data` as a file named `name`. */
export function saveFile(name: string, data: string | Uint8Array, type: string): void {
  const part = typeof data === 'string' ? data : new Uint8Array(data);
  const url = URL.createObjectURL(new Blob([part], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // Revoke later: the download reads the blob after this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
