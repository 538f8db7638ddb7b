// Minimal typings for the two memcached client libraries the tests use (neither
// ships its own): only the calls the tests make.

declare module 'memjs' {
  namespace memjs {
    interface Client {
      get(key: string): Promise<{ value: Buffer; flags: Buffer }>;
      set(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
      add(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
      replace(key: string, value: string | Buffer, options: { expires?: number }): Promise<boolean>;
      delete(key: string): Promise<boolean>;
      append(key: string, value: string | Buffer): Promise<boolean>;
      prepend(key: string, value: string | Buffer): Promise<boolean>;
      increment(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ success: boolean; value: number }>;
      decrement(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ success: boolean; value: number }>;
      touch(key: string, expires: number): Promise<boolean>;
      flush(): Promise<unknown>;
      stats(cb: (err: Error | null, server: string, stats: Record<string, string>) => void): void;
      close(): void;
    }
  }
  const memjs: {
    Client: {
      create(servers: string, options?: Record<string, unknown>): memjs.Client;
    };
  };
  export default memjs;
}

declare module 'memcached' {
  type Callback<T = unknown> = (err: Error | undefined, data: T) => void;
  class Memcached {
    constructor(servers: string, options?: Record<string, unknown>);
    get<T = unknown>(key: string, cb: Callback<T>): void;
    gets<T = unknown>(key: string, cb: Callback<T>): void;
    getMulti<T = unknown>(keys: string[], cb: Callback<T>): void;
    set<T = unknown>(key: string, value: unknown, lifetime: number, cb: Callback<T>): void;
    add<T = unknown>(key: string, value: unknown, lifetime: number, cb: Callback<T>): void;
    replace<T = unknown>(key: string, value: unknown, lifetime: number, cb: Callback<T>): void;
    append<T = unknown>(key: string, value: unknown, cb: Callback<T>): void;
    prepend<T = unknown>(key: string, value: unknown, cb: Callback<T>): void;
    cas<T = unknown>(key: string, value: unknown, cas: string, lifetime: number, cb: Callback<T>): void;
    del<T = unknown>(key: string, cb: Callback<T>): void;
    incr<T = unknown>(key: string, amount: number, cb: Callback<T>): void;
    decr<T = unknown>(key: string, amount: number, cb: Callback<T>): void;
    touch<T = unknown>(key: string, lifetime: number, cb: Callback<T>): void;
    flush<T = unknown>(cb: Callback<T>): void;
    stats<T = unknown>(cb: Callback<T>): void;
    version<T = unknown>(cb: Callback<T>): void;
    end(): void;
  }
  export default Memcached;
}
