/**
 * A fake of one of our own ports for unit tests: only the members a test gives exist; touching any other
 * member throws, so a call the test did not expect fails it. (Test-only; not part of the build.)
 */
export function strictFake<T extends object>(name: string, members: Partial<T>): T {
  return new Proxy(members, {
    get(target, property, receiver) {
      if (property in target) return Reflect.get(target, property, receiver) as unknown;
      // Promise resolution and Jest's printing probe these; they are not calls to the port.
      if (property === 'then' || property === 'asymmetricMatch' || typeof property === 'symbol')
        return undefined;
      throw new Error(`unexpected use of ${name}.${String(property)}`);
    },
  }) as T;
}
