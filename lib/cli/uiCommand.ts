export async function uiCommand(_args: string[]): Promise<number> { return 0; }
