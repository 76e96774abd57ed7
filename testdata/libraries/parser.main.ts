import { handler } from "./parser.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
