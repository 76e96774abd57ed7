import { handler } from "./s3.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
